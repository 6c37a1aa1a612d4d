/**
 * GitHub's size limits on text fields, counted in GitHub's units (sources in the README table "Sizes and
 * budgets"). GitHub's "characters" are Unicode code points (its Rails validations count Ruby string
 * characters); its "bytesize" is UTF-8 bytes. Written independently of the client's budgeting code.
 */
import { ApiError, validationFailed } from "./errors.js";

/** Unicode code points (a surrogate pair is one). */
export function codePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/**
 * Issue body 65,536 characters → 422 `{"resource":"Issue","code":"custom","field":"body","message":"body is
 * too long (maximum is 65536 characters)"}` (recorded in PyGithub/PyGithub#1906, trstringer/manual-approval#89).
 */
export const MAX_ISSUE_BODY = 65_536;
/**
 * Issue and PR comments 65,536 characters → 422 `{"resource":"IssueComment","code":"unprocessable",
 * "field":"data","message":"Body is too long (maximum is 65536 characters)"}` (telia-oss/github-pr-resource#259).
 */
export const MAX_COMMENT_BODY = 65_536;
/** Pull-request body 65,536 code points (dead-claudia/github-limits#13, measured). */
export const MAX_PULL_BODY = 65_536;
/**
 * Release body 125,000 characters → 422 `{"resource":"Release","code":"custom","field":"body","message":"body
 * is too long (maximum is 125000 characters)"}` (GitHub Support via angular/dev-infra#174;
 * softprops/action-gh-release#374, jutzig/github-release-plugin#55 record the response).
 */
export const MAX_RELEASE_BODY = 125_000;
/**
 * Check-run `output.summary` / `output.text`: the request schema's `maxLength: 65535` (characters;
 * `@octokit/openapi` paths `POST /repos/{owner}/{repo}/check-runs` and `PATCH …/check-runs/{check_run_id}`)
 * is checked first and answers 422 "Invalid request.\n\nOnly 65535 characters are allowed; N were supplied."
 * (zyborg/dotnet-tests-report#9, siddharthkp/bundlesize2#7); then the model's byte limit answers 422
 * `{"resource":"CheckRun","code":"custom","field":"summary","message":"summary exceeds a maximum bytesize of
 * 65535"}` (github/docs#35252).
 */
export const MAX_CHECK_OUTPUT = 65_535;

/** 422 when `body` has more than `max` characters, in the error shape of `resource`. */
export function checkTextLength(
  body: unknown,
  max: number,
  error: { resource: string; code: string; field: string; message: string },
): void {
  if (typeof body === "string" && codePoints(body) > max) throw validationFailed(error);
}

/** GitHub's two checks of one check-run output field (see `MAX_CHECK_OUTPUT`). */
export function checkCheckRunOutput(
  field: "summary" | "text",
  value: unknown,
  documentationUrl: string,
): void {
  if (typeof value !== "string") return;
  const chars = codePoints(value);
  if (chars > MAX_CHECK_OUTPUT)
    throw new ApiError(
      422,
      `Invalid request.\n\nOnly ${MAX_CHECK_OUTPUT} characters are allowed; ${chars} were supplied.`,
      { documentationUrl },
    );
  if (utf8Bytes(value) > MAX_CHECK_OUTPUT)
    throw new ApiError(422, "Validation Failed", {
      documentationUrl,
      errors: [
        {
          resource: "CheckRun",
          code: "custom",
          field,
          message: `${field} exceeds a maximum bytesize of ${MAX_CHECK_OUTPUT}`,
        },
      ],
    });
}
