import type { DemoContext } from "../context.js";

export interface Stage {
  id: string;
  title: string;
  /** Stages whose success this one builds on; when one failed, this one is skipped. */
  needs: string[];
  /** Plays the stage and checks its outcome over REST; returns a one-line result. */
  run(ctx: DemoContext): Promise<string>;
}
