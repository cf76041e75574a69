/** The operations of Launch Checklist, one file each under actions/checklist/. */
export interface LaunchChecklistOperations {
	checklist: 'runStep' | 'getReport' | 'cleanUp';
}
