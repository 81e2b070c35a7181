import { InitialSchema1763800000000 } from './1763800000000-initial-schema';
import { JobRunner1764600000000 } from './1764600000000-job-runner';
import { JibriPool1765800000000 } from './1765800000000-jibri-pool';

/** Every migration, in order. Listed explicitly so they run the same under tsx, jest and a build. */
export const MIGRATIONS = [InitialSchema1763800000000, JobRunner1764600000000, JibriPool1765800000000];
