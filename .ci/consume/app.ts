// Type-checked (not run) with moduleResolution nodenext and bundler: the names a user writes.
import { Client, ConnectError, HTTPStatusError, type PoolEvent, type Response, type TimeoutInit } from "wirepool";

export async function main(origin: string): Promise<number> {
  const timeout: TimeoutInit = { read: 1000 };
  await using client = new Client({ baseURL: origin, timeout });
  const events: PoolEvent[] = [];
  const res: Response = await client.get("/", { params: { page: 2 } });
  try {
    res.raiseForStatus();
  } catch (err) {
    if (err instanceof HTTPStatusError) return err.response.status;
    if (err instanceof ConnectError) console.log(err.phase, err.origin);
  }
  return events.length + res.status;
}
