import { InputError } from "@mlops/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  booleanInput,
  defaultedInput,
  environmentInputs,
  integerInput,
  listInput,
  optionalInput,
  readInputs,
  requiredInput,
} from "../src/inputs.js";

const schema = z.object({
  command: requiredInput(),
  "working-directory": defaultedInput("."),
  "model-name": optionalInput(),
  "fail-on-regression": booleanInput(true),
  metrics: listInput(),
  aliases: listInput({ commas: true }),
  retries: integerInput(5, { min: 1 }),
});

function source(values: Record<string, string>) {
  return environmentInputs(
    Object.fromEntries(
      Object.entries(values).map(([k, v]) => [`INPUT_${k.replace(/ /g, "_").toUpperCase()}`, v]),
    ),
  );
}

describe("readInputs", () => {
  it("applies defaults for inputs that were not given", () => {
    const inputs = readInputs(schema, source({ command: "python train.py" }));
    expect(inputs).toEqual({
      command: "python train.py",
      "working-directory": ".",
      "model-name": undefined,
      "fail-on-regression": true,
      metrics: [],
      aliases: [],
      retries: 5,
    });
  });

  it("reads INPUT_ variables the way the runner names them, trimmed", () => {
    const inputs = readInputs(
      schema,
      source({ command: "  make train  ", "model-name": "fraud", metrics: "a.json\n\n# note\n b.json \n" }),
    );
    expect(inputs.command).toBe("make train");
    expect(inputs["model-name"]).toBe("fraud");
    expect(inputs.metrics).toEqual(["a.json", "b.json"]);
  });

  it.each([
    ["true", true],
    ["True", true],
    ["TRUE", true],
    ["false", false],
    ["False", false],
    ["FALSE", false],
  ])("accepts the YAML 1.2 boolean %s", (raw, expected) => {
    expect(
      readInputs(schema, source({ command: "x", "fail-on-regression": raw }))["fail-on-regression"],
    ).toBe(expected);
  });

  it.each(["yes", "on", "1", "tRue"])("rejects %s as a boolean, naming the input", (raw) => {
    expect(() => readInputs(schema, source({ command: "x", "fail-on-regression": raw }))).toThrow(
      /'fail-on-regression': expected true or false/,
    );
  });

  it("splits comma lists and reads whole numbers", () => {
    const inputs = readInputs(
      schema,
      source({ command: "x", aliases: "latest, champion\nstaging", retries: "3" }),
    );
    expect(inputs.aliases).toEqual(["latest", "champion", "staging"]);
    expect(inputs.retries).toBe(3);
  });

  it("reports every invalid input at once, as an InputError", () => {
    let caught: unknown;
    try {
      readInputs(schema, source({ retries: "0", "fail-on-regression": "maybe" }));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    const error = caught as InputError;
    expect(error.message).toBe("Invalid input 'command': is required");
    expect(error.details).toContain("'retries'");
    expect(error.details).toContain("'fail-on-regression'");
  });
});
