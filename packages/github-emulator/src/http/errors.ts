/** GitHub-shaped error responses: `{message, documentation_url, errors?, status}`. */

/** One entry of a 422 `errors` array, as GitHub sends it. */
export interface ValidationErrorItem {
  resource: string;
  code: string;
  field?: string;
  message?: string;
}

/** Thrown by a route handler to answer with a GitHub-style error body. */
export class ApiError extends Error {
  readonly status: number;
  readonly errors: ValidationErrorItem[] | undefined;
  readonly headers: Record<string, string>;
  readonly documentationUrl: string;

  constructor(
    status: number,
    message: string,
    options: {
      errors?: ValidationErrorItem[];
      headers?: Record<string, string>;
      documentationUrl?: string;
    } = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.documentationUrl = options.documentationUrl ?? "https://docs.github.com/rest";
  }

  /** The JSON body GitHub would send. */
  toBody(): Record<string, unknown> {
    const body: Record<string, unknown> = { message: this.message, documentation_url: this.documentationUrl };
    if (this.errors) body.errors = this.errors;
    body.status = String(this.status);
    return body;
  }
}

/** 404 `{"message":"Not Found"}`. */
export const notFound = (): ApiError => new ApiError(404, "Not Found");

/** 422 "Validation Failed" with an `errors` array. */
export const validationFailed = (...errors: ValidationErrorItem[]): ApiError =>
  new ApiError(422, "Validation Failed", { errors });

/** 422 with a plain message (e.g. "Reference already exists"). */
export const unprocessable = (message: string): ApiError => new ApiError(422, message);

/** 400 "Problems parsing JSON" and friends. */
export const badRequest = (message: string): ApiError => new ApiError(400, message);
