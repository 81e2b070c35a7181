/**
 * The most recent captured messages kept; older ones are forgotten. Apart from the capture, so
 * the pages that list them load no SMTP server.
 */
export const KEPT_MESSAGES = 100;
