import { runAction } from "@mlops/action-kit";
import { main } from "./main.js";

await runAction(main);
