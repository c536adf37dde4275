/**
 * Run as a child process by exit.test.ts: makes requests through a pool, then
 * either closes it or just forgets it. Either way the process must exit by itself.
 */
import { ConnectionPool } from "../../src/pool/pool.js";
import { wire } from "./wire.js";

const [url, mode] = process.argv.slice(2) as [string, "close" | "forget"];
const pool = new ConnectionPool();
await Promise.all(
  Array.from({ length: 5 }, async () => {
    const res = await pool.request(wire("GET", url));
    await res.body.readAll();
  }),
);
if (mode === "close") await pool.close();
console.log(JSON.stringify(pool.stats()));
