/**
 * The standard middy stack for every handler: Powertools logger context (resetKeys), plus an early-timeout guard
 * so a handler that runs out of time logs why instead of being killed silently.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type middy from '@middy/core';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'vpc-netwatch' });

export function withDefaults<E, R>(handler: middy.MiddyfiedHandler<E, R>): middy.MiddyfiedHandler<E, R> {
  return handler.use(injectLambdaContext(logger, { resetKeys: true }));
}
