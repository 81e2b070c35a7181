/** The speaker time line's job: queued by the statement that makes a recording with participant tracks ready (whenReady). */
export const SPEAKERS_JOB_KIND = 'artifacts.speakers';
