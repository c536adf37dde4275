// A CommonJS TypeScript file: TypeScript 5.8+ with module nodenext lets it require the ES module.
import { Client } from "wirepool";

export async function status(url: string): Promise<number> {
  const client = new Client();
  try {
    return (await client.get(url)).status;
  } finally {
    await client.close();
  }
}
