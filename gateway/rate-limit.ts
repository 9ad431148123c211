/**
 * I2: each organisation's request budget at the gateway, RATE_LIMIT_PER_MINUTE requests in each
 * minute (a fixed window per organisation, counted when the request arrives). The operator is
 * not limited. With REDIS_URL, every gateway replica counts in the same Redis keys, so the budget
 * is the organisation's and not each replica's; without it, each process counts on its own.
 *
 * A Redis outage must neither refuse every request nor lift the limit: each process then counts
 * in memory (rate-limiter-flexible's insurance limiter, with the same budget) and says so in the
 * log, once when it starts and once when Redis answers again.
 */
import Redis from "ioredis";
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { rateLimited } from "../common/errors/errors";
import type { UserPrincipal } from "../common/identity/identity";
import { describeError, logger } from "../common/observability/logger";

export interface RequestBudgetOptions {
  perMinute: number;
  /** Shared budget across replicas when set. */
  redisUrl?: string;
  /** Prefix of the Redis keys (and of the in-memory ones), so deployments or test runs sharing one Redis stay apart. */
  keyPrefix: string;
  /** How long one Redis call may take before this request is counted in memory instead. */
  redisTimeoutMs?: number;
}

export interface RequestBudget {
  /** Counts the request against its organisation's budget; throws RATE_LIMITED (HTTP 429) past it. */
  admit(principal: UserPrincipal): Promise<void>;
  /** Resolves once Redis is connected, or has failed to connect (then counting is in memory): never rejects. */
  connected(): Promise<void>;
  close(): Promise<void>;
}

const WINDOW_SECONDS = 60;
const FROM_MEMORY = Symbol("counted in this process");

/** The in-memory limiter used while Redis does not answer; it marks what it answers so the budget knows where a count came from. */
class InsuranceLimiter extends RateLimiterMemory {
  override consume(key: string | number, points?: number, options?: { [key: string]: any }): Promise<RateLimiterRes> {
    const mark = <T>(res: T): T => {
      if (res instanceof RateLimiterRes) Object.defineProperty(res, FROM_MEMORY, { value: true });
      return res;
    };
    return super.consume(key, points, options).then(mark, (res) => Promise.reject(mark(res)));
  }
}

export function createRequestBudget(options: RequestBudgetOptions): RequestBudget {
  const limits = { points: options.perMinute, duration: WINDOW_SECONDS, keyPrefix: options.keyPrefix };
  let redis: Redis | undefined;
  let limiter: RateLimiterAbstract;
  let degraded = false;
  let everReady = false;
  let connected: Promise<void> = Promise.resolve();
  const degrade = (why: string) => {
    if (degraded) return;
    degraded = true;
    logger.warn({ reason: why }, "request budget: Redis unavailable, each gateway process counts its own budget until it answers again");
  };
  const recover = () => {
    if (!degraded) return;
    degraded = false;
    logger.info("request budget: Redis answers again, the budget is shared by every gateway replica");
  };
  if (options.redisUrl) {
    redis = new Redis(options.redisUrl, {
      // Fail at once while disconnected (the insurance limiter answers) instead of queueing requests behind a reconnect.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.redisTimeoutMs ?? 500,
      connectTimeout: 2_000,
      // Reconnect for ever, at most every 2 s.
      retryStrategy: (times) => Math.min(times * 100, 2_000),
    });
    // Without a listener ioredis prints every failed reconnect to stderr.
    redis.on("error", (error) => degrade(describeError(error)));
    redis.on("ready", () => (everReady = true));
    const client = redis;
    connected = new Promise<void>((resolve) => {
      client.once("ready", () => resolve());
      client.once("error", () => resolve());
    });
    limiter = new RateLimiterRedis({
      ...limits,
      storeClient: redis,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new InsuranceLimiter(limits),
    });
  } else {
    limiter = new RateLimiterMemory(limits);
  }
  return {
    async admit(principal) {
      if (principal.org === "operator") return;
      const key = `${principal.org}:${principal.tid}`;
      let outcome: unknown;
      let refused = false;
      try {
        outcome = await limiter.consume(key);
      } catch (error) {
        outcome = error;
        refused = error instanceof RateLimiterRes;
        if (!refused) {
          // Neither Redis nor memory answered: admit rather than refuse everyone, and say so.
          logger.error({ error: describeError(error) }, "request budget: could not count a request");
          return;
        }
      }
      if (redis) {
        // Before the first connection is made a request is counted in memory without a word: the connection's own error says it failed.
        if ((outcome as { [FROM_MEMORY]?: boolean })[FROM_MEMORY]) {
          if (everReady) degrade("a Redis call failed or timed out");
        } else recover();
      }
      if (refused) throw rateLimited(Math.max(1, Math.ceil((outcome as RateLimiterRes).msBeforeNext / 1000)));
    },
    connected: () => connected,
    async close() {
      redis?.disconnect();
    },
  };
}
