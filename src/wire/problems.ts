/**
 * Every error xmedia answers with, as a named, coded constant (SPEC.md §2). Bodies are built with X's key
 * order; `type` URIs ending in a path are joined to the configured problem host.
 */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

interface ProblemDefinition {
  readonly code: string;
  readonly status: number;
  readonly title: string;
  /** 'about:blank' or a path under the problem host, such as '/2/problems/unsupported-authentication'. */
  readonly type: string;
  readonly detail: string;
  /** Key order X uses for this body. */
  readonly order: readonly ('title' | 'type' | 'status' | 'detail')[];
}

const GENERIC_ORDER = ['title', 'type', 'status', 'detail'] as const;

function problem(code: string, status: number, title: string, detail: string, type = 'about:blank', order: ProblemDefinition['order'] = GENERIC_ORDER): ProblemDefinition {
  return Object.freeze({ code, status, title, type, detail, order });
}

export const PROBLEMS = {
  UNAUTHORIZED: problem('XM_ERR_UNAUTHORIZED', 401, 'Unauthorized', 'Unauthorized'),
  UNSUPPORTED_AUTHENTICATION: problem(
    'XM_ERR_UNSUPPORTED_AUTHENTICATION',
    403,
    'Unsupported Authentication',
    'Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].',
    '/2/problems/unsupported-authentication',
    ['title', 'detail', 'type', 'status'],
  ),
  FORBIDDEN: problem('XM_ERR_FORBIDDEN', 403, 'Forbidden', 'Forbidden'),
  TOO_MANY_REQUESTS: problem('XM_ERR_TOO_MANY_REQUESTS', 429, 'Too Many Requests', 'Too Many Requests'),
  NOT_FOUND: problem('XM_ERR_NOT_FOUND', 404, 'Not Found Error', 'Not Found'),
  HEADERS_TOO_LARGE: problem('XM_ERR_HEADERS_TOO_LARGE', 431, 'Request Header Fields Too Large', 'The request headers are larger than this server accepts.'),
  REQUEST_TIMEOUT: problem('XM_ERR_REQUEST_TIMEOUT', 408, 'Request Timeout', 'The request did not arrive in time.'),
  PAYLOAD_TOO_LARGE: problem('XM_ERR_PAYLOAD_TOO_LARGE', 413, 'Payload Too Large', 'The request body is larger than this endpoint accepts.'),
  INTERNAL: problem('XM_ERR_INTERNAL', 500, 'Internal Server Error', 'Something went wrong on our side; it has been logged.'),
  SERVICE_UNAVAILABLE: problem('XM_ERR_SERVICE_UNAVAILABLE', 503, 'Service Unavailable', 'A backing service is not reachable.'),
  /** A request that arrives, on a connection already open, while the server drains before exiting. */
  SHUTTING_DOWN: problem('XM_ERR_SHUTTING_DOWN', 503, 'Service Unavailable', 'Service Unavailable'),
} as const;

export type ProblemName = keyof typeof PROBLEMS;

/** One item of an invalid-request body. */
export interface InvalidParameter {
  readonly parameters: Readonly<Record<string, readonly string[]>>;
  readonly message: string;
}

/** Messages X uses for body-level failures. */
export const BODY_MESSAGES = {
  NOT_JSON_CONTENT_TYPE: 'Requests with bodies must have content-type of application/json.',
  INVALID_JSON: 'Request body is not valid JSON.',
  NOT_HTTP: 'The request is not valid HTTP.',
  tooManyFormFields: (max: number) => `Request body holds more than ${max} form fields.`,
  tooManyJsonValues: (max: number) => `Request body holds more than ${max} JSON values.`,
} as const;

/** Thrown anywhere below a route to answer with one of the fixed problems above. */
export class ProblemError extends Error {
  override name = 'ProblemError';
  readonly code: string;
  readonly statusCode: number;
  constructor(
    readonly problem: ProblemDefinition,
    readonly detailOverride?: string,
  ) {
    super(detailOverride ?? problem.detail);
    this.code = problem.code;
    this.statusCode = problem.status;
  }
}

/** Thrown to answer 400 invalid-request with one or more parameter errors. */
export class InvalidRequestError extends Error {
  override name = 'InvalidRequestError';
  readonly code = 'XM_ERR_INVALID_REQUEST';
  readonly statusCode = 400;
  constructor(readonly errors: readonly InvalidParameter[]) {
    super(errors.map((e) => e.message).join('; '));
  }

  static of(parameter: string | undefined, values: readonly string[], message: string): InvalidRequestError {
    return new InvalidRequestError([{ parameters: parameter === undefined ? {} : { [parameter]: values }, message }]);
  }
}

/**
 * Serializes problems for one problem host; constant bodies are rendered once. Bodies are Buffers so the
 * framework sends the content type exactly as set (it would append a charset to a string's).
 */
export class ProblemFormatter {
  private readonly rendered = new Map<ProblemDefinition, Buffer>();

  constructor(private readonly problemHost: string) {}

  typeUri(type: string): string {
    return type.startsWith('/') ? this.problemHost + type : type;
  }

  problem(definition: ProblemDefinition, detail?: string): Buffer {
    if (detail !== undefined && detail !== definition.detail) return this.renderProblem(definition, detail);
    let body = this.rendered.get(definition);
    if (body === undefined) {
      body = this.renderProblem(definition, definition.detail);
      this.rendered.set(definition, body);
    }
    return body;
  }

  invalidRequest(errors: readonly InvalidParameter[]): Buffer {
    return jsonBuffer({
      errors,
      title: 'Invalid Request',
      detail: 'One or more parameters to your request was invalid.',
      type: this.typeUri('/2/problems/invalid-request'),
    });
  }

  private renderProblem(definition: ProblemDefinition, detail: string): Buffer {
    const fields = { title: definition.title, type: this.typeUri(definition.type), status: definition.status, detail };
    const body: Record<string, unknown> = {};
    for (const key of definition.order) body[key] = fields[key];
    return jsonBuffer(body);
  }
}

export function jsonBuffer(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}
