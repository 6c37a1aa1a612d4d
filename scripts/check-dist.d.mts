// Types of scripts/check-dist.mjs for test/bundles.test.ts.
export declare const DIST_PATHSPEC: string;
