import type { Container } from 'inversify';
import { EventBus } from '../notifications/bus.js';
import { installNotifications, type NotificationPorts } from '../notifications/module.js';
import type { WebhooksService } from '../notifications/webhooks.service.js';
import { JOB_TOKENS } from './ports.js';
import { JobsService } from './jobs.service.js';

/** Binds the event bus and jobs service, and subscribes the built-in notifications. */
export function installJobs(
  container: Container,
  ports: NotificationPorts = {},
): { jobs: JobsService; events: EventBus; webhooks: WebhooksService } {
  const events = new EventBus();
  container.bind(JOB_TOKENS.EventBus).toConstantValue(events);
  container.bind(JOB_TOKENS.JobsService).to(JobsService).inSingletonScope();
  const jobs = container.get<JobsService>(JOB_TOKENS.JobsService);
  const webhooks = installNotifications(container, jobs, events, ports);
  return { jobs, events, webhooks };
}
