// Kubernetes' wire forms of time: metav1.Time is RFC 3339 with whole seconds
// (`2026-01-02T03:04:05Z`); metav1.MicroTime (Lease renewTime, Event eventTime) keeps
// microseconds (`2026-01-02T03:04:05.123000Z`).

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function rfc3339Micro(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}
