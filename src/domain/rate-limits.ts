/**
 * X's published rate limits for the media endpoints (SPEC.md §3): requests per user per 15-minute window
 * (per app for app-only tokens) and per app per 24 hours. Every number can be overridden in config.
 */
export const RATE_LIMITED_ENDPOINTS = {
  upload: { perWindow: 500, perDay: 50_000 },
  upload_status: { perWindow: 1_000, perDay: 100_000 },
  upload_initialize: { perWindow: 1_875, perDay: 180_000 },
  upload_append: { perWindow: 1_875, perDay: 180_000 },
  upload_finalize: { perWindow: 1_875, perDay: 180_000 },
  metadata: { perWindow: 500, perDay: 50_000 },
  subtitles: { perWindow: 100, perDay: 10_000 },
  media_lookup: { perWindow: 300, perDay: 0 },
} as const satisfies Record<string, { perWindow: number; perDay: number }>;

export type RateLimitedEndpoint = keyof typeof RATE_LIMITED_ENDPOINTS;
