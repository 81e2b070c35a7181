import { EgressStatus, type EgressInfo } from 'livekit-server-sdk';
import type { WorkerState } from '../worker-service';

/** What an egress's status means for the recording. */
export function toWorkerState(info: EgressInfo): WorkerState {
  switch (info.status) {
    case EgressStatus.EGRESS_STARTING:
      return { state: 'starting' };
    case EgressStatus.EGRESS_ACTIVE:
    // Ending: the file is still being finalised and uploaded, the job is not over yet.
    case EgressStatus.EGRESS_ENDING:
      return { state: 'active' };
    case EgressStatus.EGRESS_COMPLETE:
      return { state: 'ended', outcome: 'complete' };
    case EgressStatus.EGRESS_LIMIT_REACHED:
      return { state: 'ended', outcome: 'limit_reached' };
    case EgressStatus.EGRESS_FAILED:
      return info.error ? { state: 'failed', error: info.error } : { state: 'failed' };
    case EgressStatus.EGRESS_ABORTED:
      return info.error ? { state: 'aborted', error: info.error } : { state: 'aborted' };
    default:
      return { state: 'unknown' };
  }
}

export function isRunning(info: EgressInfo): boolean {
  return info.status === EgressStatus.EGRESS_STARTING || info.status === EgressStatus.EGRESS_ACTIVE;
}

/** Every file path an egress names: the requested file outputs and, once known, the results. */
export function egressFilepaths(info: EgressInfo): string[] {
  const paths: string[] = [];
  const request = info.request;
  if (request.case === 'roomComposite') {
    for (const file of request.value.fileOutputs) paths.push(file.filepath);
    if (request.value.output.case === 'file') paths.push(request.value.output.value.filepath);
  }
  for (const result of info.fileResults) paths.push(result.filename);
  return paths.filter((p) => p !== '');
}
