/**
 * Run as a child process by exit.test.ts: makes requests through a pool, then
 * either closes it or just forgets it. Either way the process must exit by itself.
 */
import { ConnectionPool } from "../../src/pool/pool.js";
import { timeouts, wire } from "./wire.js";

const [url, mode] = process.argv.slice(2) as [string, "close" | "forget"];
const pool = new ConnectionPool();
await Promise.all(
  Array.from({ length: 5 }, async () => {
    const { origin, request } = wire("GET", url);
    const res = await pool.request(origin, request, { timeouts: timeouts() }, true);
    await res.body.readAll();
  }),
);
if (mode === "close") await pool.close();
console.log(JSON.stringify(pool.stats()));
