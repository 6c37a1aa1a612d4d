const fs = require("node:fs");
const text = process.env.INPUT_TEXT ?? "";
console.log(`js-echo: ${text}`);
fs.appendFileSync(process.env.GITHUB_OUTPUT, `echoed=${text.toUpperCase()}\n`);
