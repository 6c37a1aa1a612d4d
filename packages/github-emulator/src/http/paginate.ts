/** GitHub pagination: `per_page` (default 30, max 100), `page` (1-based) and a `Link` header. */
import type { RouteContext } from "./context.js";

export function paginate<T>(
  ctx: Pick<RouteContext, "query" | "url" | "baseUrl">,
  items: T[],
  /** A page size the server chooses itself (`per_page` is then ignored, as on `matching-refs`). */
  fixedPerPage?: number,
): { items: T[]; headers: Record<string, string> } {
  const perPage = fixedPerPage ?? Math.min(100, Math.max(1, Number(ctx.query.get("per_page")) || 30));
  const page = Math.max(1, Number(ctx.query.get("page")) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (n: number, rel: string) => {
    const target = new URL(ctx.url.pathname + ctx.url.search, ctx.baseUrl);
    if (fixedPerPage === undefined) target.searchParams.set("per_page", String(perPage));
    target.searchParams.set("page", String(n));
    return `<${target.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, "prev"));
  if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
  if (page > 1) links.push(link(1, "first"));
  return {
    items: items.slice((page - 1) * perPage, page * perPage),
    headers: links.length > 0 ? { link: links.join(", ") } : {},
  };
}
