import type { HomeLayout } from "../../core/home.ts";
import { ensureHomeId } from "../homeId.ts";
import { connectRedis, type RedisConnectOptions } from "./connect.ts";
import { RedisKnowledgeBase } from "./redisKb.ts";

/** Opens the shared backend for this home; fails fast with KbUnavailable when the server is down. */
export async function openRedisKb(
  layout: HomeLayout,
  url: string,
  display: string,
  options: RedisConnectOptions = {},
): Promise<RedisKnowledgeBase> {
  const homeId = ensureHomeId(layout);
  const client = await connectRedis(url, display, options);
  return new RedisKnowledgeBase(client, display, homeId);
}
