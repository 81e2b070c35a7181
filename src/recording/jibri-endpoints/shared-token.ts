/** What the Jibri endpoints answer; the routers turn it into the HTTP response. */
export interface EndpointAnswer {
  status: number;
  body: Record<string, unknown>;
}
