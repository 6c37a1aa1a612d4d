// Types of Bottleneck's light build (the same API without Redis clustering), which @octokit/plugin-throttling
// loads too: importing it instead of "bottleneck" keeps one Bottleneck, not two, in the action bundles.
declare module "bottleneck/light.js" {
  import Bottleneck from "bottleneck";
  export default Bottleneck;
}
