// Types of system-deps.mjs for the tests that import `missingOf`.
export declare const SYSTEM_PACKAGES: { name: string; present: () => boolean }[];
export declare function missingSystemPackages(): string[];
export declare function missingOf(...names: string[]): string[];
export declare function ensureSystemPackages(): void;
