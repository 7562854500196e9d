import { ContainerModule } from 'inversify';
import { fromStore } from '../shared/module.js';
import { EventDispatcher } from './dispatcher.js';
import { JobService } from './jobs.service.js';
import { JOB_TOKENS } from './ports.js';

/**
 * Jobs: the job repository and the outbox reader from the store, the dispatcher that turns
 * committed events into the jobs the `JOB_TOKENS.EventSubscriber`s ask for, and `JobService`.
 */
export const jobModule = new ContainerModule(({ bind }) => {
  bind(JOB_TOKENS.JobRepository).toDynamicValue(fromStore('jobs'));
  bind(JOB_TOKENS.OutboxDispatch).toDynamicValue(fromStore('outboxDispatch'));
  bind(JOB_TOKENS.EventDispatcher).to(EventDispatcher).inSingletonScope();
  bind(JOB_TOKENS.JobService).to(JobService).inSingletonScope();
});
