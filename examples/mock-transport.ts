/**
 * Testing code that uses a Client, with no network: a MockTransport answers each
 * request with a handler. The code under test does not change.
 *
 *   npx tsx examples/mock-transport.ts
 */
import assert from "node:assert/strict";
import { Client, MockTransport, Response } from "wirepool";

// The code under test: it only knows it gets a Client.
async function fetchUserName(client: Client, id: number): Promise<string> {
  const res = await client.get(`/users/${id}`);
  res.raiseForStatus();
  return ((await res.json()) as { name: string }).name;
}

const seen: string[] = [];
const transport = new MockTransport((request) => {
  seen.push(`${request.method} ${request.url.pathname}`);
  if (request.url.pathname === "/users/1") return new Response(200, { json: { id: 1, name: "Ada" } });
  return new Response(404, { content: "no such user" });
});

await using client = new Client({ baseURL: "https://api.example.org", transport });
assert.equal(await fetchUserName(client, 1), "Ada");
await assert.rejects(fetchUserName(client, 2), { name: "HTTPStatusError" });
assert.deepEqual(seen, ["GET /users/1", "GET /users/2"]);
console.log("MockTransport: both cases behaved as expected:", seen.join(", "));
