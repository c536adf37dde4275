import { startServer } from "/work/main/bench/server.ts";
const s = await startServer("nginx");
console.log(s.origin);
await new Promise((r) => setTimeout(r, 60000));
