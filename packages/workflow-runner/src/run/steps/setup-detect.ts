/**
 * Steps that install packages. The local runner runs `run:` steps on the user's own machine, not on a fresh
 * runner: `pip install …` changes the first python on PATH, `apt-get install` the system. Such steps are
 * warned about before they run, and skipped with the `skipSetup` option (`mlops run-workflow --skip-setup`).
 */

/** Package-manager commands that install into the environment they run in. */
const INSTALLERS: RegExp[] = [
  /\b(?:pip3?|python3?(?:\.\d+)?\s+-m\s+pip|uv\s+pip)\s+install\b/,
  /\buv\s+(?:sync|add|tool\s+install)\b/,
  /\b(?:poetry|pdm)\s+(?:install|add|sync)\b/,
  /\bpipenv\s+(?:install|sync)\b/,
  /\b(?:conda|mamba|micromamba)\s+(?:install|create|update|env\s+(?:create|update))\b/,
  /\b(?:npm|pnpm)\s+(?:install|i|ci|add)\b/,
  /\byarn\s+(?:install|add)\b/,
  /\b(?:apt-get|apt|yum|dnf|apk|zypper|brew)\s+(?:-\S+\s+)*(?:install|add)\b/,
  /\b(?:gem|cargo|go)\s+install\b/,
  /\bRscript\s+-e\s+.*install\.packages\b/,
];

/**
 * The environment variables through which a reusable workflow hands a setup command to a `run:` step
 * (`SETUP_COMMAND: ${{ inputs.setup-command }}` then `run: bash -c "$SETUP_COMMAND"` in this toolkit's
 * reusable workflows): any non-empty value counts as setup, whatever it runs.
 */
const SETUP_VARIABLE = /(?:^|_)SETUP_COMMAND$/i;

/** The line of a `run:` step (its script or a setup variable of its env) that installs packages, if any. */
export function installingCommand(script: string, stepEnv: Record<string, string>): string | undefined {
  for (const [name, value] of Object.entries(stepEnv))
    if (SETUP_VARIABLE.test(name) && value.trim() !== "") return `${name}=${value.trim()}`;
  const texts = [script, ...Object.values(stepEnv)];
  for (const text of texts)
    for (const line of text.split("\n"))
      if (INSTALLERS.some((pattern) => pattern.test(line))) return line.trim();
  return undefined;
}
