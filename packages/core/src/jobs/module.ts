import type { Container } from 'inversify';
import { EventBus } from '../notifications/bus.js';
import { JOB_TOKENS } from './ports.js';
import { JobsService } from './jobs.service.js';
import type { NotificationPorts } from '../notifications/module.js';
import { installNotifications } from '../notifications/module.js';

/** Binds the event bus and jobs service, and subscribes the built-in notifications. */
export function installJobs(
  container: Container,
  ports: NotificationPorts = {},
): { jobs: JobsService; events: EventBus } {
  const events = new EventBus();
  container.bind(JOB_TOKENS.EventBus).toConstantValue(events);
  container.bind(JOB_TOKENS.JobsService).to(JobsService).inSingletonScope();
  const jobs = container.get<JobsService>(JOB_TOKENS.JobsService);
  installNotifications(container, jobs, events, ports);
  return { jobs, events };
}
