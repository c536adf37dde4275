// Type-checked (not run) with moduleResolution nodenext and bundler: the names a user writes.
import {
  Client,
  ConnectError,
  type FormFields,
  get,
  HTTPStatusError,
  type OneShotBodylessOptions,
  type PoolEvent,
  type PoolEventType,
  type QueryValue,
  Request,
  type RequestExtensions,
  type Response,
  type TimeoutInit,
} from "wirepool";
import { recordTimeline, type Timeline } from "wirepool/timeline";

// A wrapper of the kind users write, typed with the package's own names.
export function getWithDefaults(url: string, options: OneShotBodylessOptions = {}): Promise<Response> {
  return get(url, { timeout: 1000, ...options });
}
export function build(url: string, page: QueryValue, form: FormFields, extensions: RequestExtensions): Request {
  return new Request("POST", url, { params: { page }, form, extensions });
}
export const watched: PoolEventType[] = ["request:queued", "request:finished"];

export async function picture(client: Client, url: string): Promise<string> {
  const recorder = recordTimeline(client);
  await client.get(url);
  const timeline: Timeline = recorder.stop();
  return timeline.toHTML();
}

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
