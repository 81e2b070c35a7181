import { InitialSchema1763800000000 } from './1763800000000-initial-schema';
import { JobRunner1764600000000 } from './1764600000000-job-runner';
import { RecordingFiles1765200000000 } from './1765200000000-recording-files';

/** Every migration, in order. Listed explicitly so they run the same under tsx, jest and a build. */
export const MIGRATIONS = [InitialSchema1763800000000, JobRunner1764600000000, RecordingFiles1765200000000];
