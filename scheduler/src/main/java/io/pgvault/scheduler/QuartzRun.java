package io.pgvault.scheduler;

import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;

/**
 * Adapts an {@link AgentJob} to Quartz. Never two runs of one job at once: a run that outlasts its next time
 * delays it (and a delay past the misfire threshold is handled as the schedule's misfire rule says).
 */
@DisallowConcurrentExecution
final class QuartzRun implements Job {

    private final Agent agent;
    private final AgentJob job;

    QuartzRun(Agent agent, AgentJob job) {
        this.agent = agent;
        this.job = job;
    }

    @Override
    public void execute(JobExecutionContext context) {
        agent.runOnce(job);
    }
}
