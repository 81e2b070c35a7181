import type { Recording } from './recording';

/** Domain errors raised by the recording service; the API maps each to one HTTP status. */
export class RecordingError extends Error {
  constructor(
    readonly kind: 'bad_request' | 'forbidden' | 'not_found' | 'conflict' | 'worker_failed' | 'unavailable' | 'too_large' | 'unsupported_type',
    message: string,
    readonly recording?: Recording,
  ) {
    super(message);
    this.name = 'RecordingError';
  }
}

export const badRequest = (m: string) => new RecordingError('bad_request', m);
export const forbidden = (m = 'You do not have permission to perform this action.') => new RecordingError('forbidden', m);
export const notFound = (m = 'Not found.') => new RecordingError('not_found', m);
export const conflict = (m: string) => new RecordingError('conflict', m);
export const tooLarge = (m: string) => new RecordingError('too_large', m);
export const unsupportedType = (m: string) => new RecordingError('unsupported_type', m);
