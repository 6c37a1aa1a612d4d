import { afterAll, beforeAll, expect } from "vitest";
import { type Emulator, type EmulatorOptions, startEmulator } from "../src/index.js";

/** Starts one validating emulator for the file and asserts, after all tests, that no response broke the OpenAPI schema. */
export function useEmulator(options: EmulatorOptions = {}): () => Emulator {
  let emulator: Emulator | undefined;
  beforeAll(async () => {
    emulator = await startEmulator({ validateResponses: true, ...options });
  });
  afterAll(async () => {
    const violations = emulator?.violations ?? [];
    await emulator?.close();
    expect(violations).toEqual([]);
  });
  return () => {
    if (!emulator) throw new Error("emulator not started");
    return emulator;
  };
}

/** fetch against the emulator with a JSON body. */
export async function call(
  emulator: Emulator,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: unknown }> {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: {
      authorization: "token test",
      accept: "application/vnd.github+json",
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    redirect: "manual",
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
}
