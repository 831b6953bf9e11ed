import type { ErrorCode } from '@tradewind/core';

/**
 * Codes the service answers with, beyond the packages' own {@link ErrorCode}s. Every
 * refusal is JSON `{ errors: [{ code, message, path? }] }` (the OpenID4VCI endpoints
 * answer in OAuth's `{ error, error_description }` shape instead, as that protocol says).
 */
export type ServiceErrorCode =
  | ErrorCode
  | 'UNAUTHORIZED' // 401: no admin API key
  | 'FORBIDDEN' // 403: an admin API key that is not one of the configured ones
  | 'RATE_LIMITED' // 429
  | 'UNSUPPORTED_MEDIA_TYPE' // 415
  | 'SHUTTING_DOWN' // 503: the service is draining and takes no new work
  | 'UNEXPECTED'; // 500: a fault of the service itself (details only in its log)

export interface ServiceIssue {
  code: ServiceErrorCode;
  message: string;
  path?: string;
}

/** A refusal with its HTTP status; the app's error handler answers it as `{ errors }`. */
export class HttpError extends Error {
  readonly status: number;
  readonly issues: ServiceIssue[];
  constructor(status: number, code: ServiceErrorCode, message: string, issues?: ServiceIssue[]) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.issues = issues && issues.length > 0 ? issues : [{ code, message }];
  }
}
