import { IntegrityError } from "../errors.js";
import { describeIssues } from "./parse.js";
import { type ReleaseMetadata, releaseMetadataSchema } from "./schemas.js";

const OPEN = "<!-- mlops:metadata";
const CLOSE = "-->";

/**
 * Renders the hidden release-body block `<!-- mlops:metadata {json} -->`. `<`, `>` and `&` are JSON-escaped
 * (`\u003c`…) so strings containing `-->` cannot end the comment early.
 */
export function renderMetadataBlock(meta: ReleaseMetadata): string {
  const json = JSON.stringify(releaseMetadataSchema.parse(meta)).replace(
    /[<>&]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return `${OPEN}\n${json}\n${CLOSE}`;
}

/** Finds and validates the metadata block in a release body (any text around it is ignored); null when absent. */
export function parseMetadataBlock(body: string): ReleaseMetadata | null {
  const start = body.indexOf(OPEN);
  if (start < 0) return null;
  const end = body.indexOf(CLOSE, start + OPEN.length);
  if (end < 0) throw new IntegrityError("release metadata block is not closed (missing `-->`)");
  let raw: unknown;
  try {
    raw = JSON.parse(body.slice(start + OPEN.length, end));
  } catch (cause) {
    throw new IntegrityError("release metadata block does not contain valid JSON", { cause });
  }
  const result = releaseMetadataSchema.safeParse(raw);
  if (!result.success)
    throw new IntegrityError("release metadata block does not match schema_version 1", {
      details: describeIssues(result.error),
    });
  return result.data;
}
