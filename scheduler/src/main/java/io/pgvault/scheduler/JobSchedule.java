package io.pgvault.scheduler;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import java.text.ParseException;
import java.util.Objects;
import org.quartz.CronExpression;
import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.TriggerBuilder;

/**
 * When a job runs: a Quartz cron expression (seconds first: {@code "0 0 1 * * ?"} is 01:00:00 every day, in the
 * agent's time zone) and what to do about a time that was missed while the agent was busy or suspended.
 *
 * @param job     the job
 * @param cron    the Quartz cron expression
 * @param catchUp true: a missed time runs once as soon as possible (Quartz MISFIRE_INSTRUCTION_FIRE_ONCE_NOW),
 *                as backups should; false: it is skipped until the next time (MISFIRE_INSTRUCTION_DO_NOTHING)
 */
public record JobSchedule(AgentJob job, String cron, boolean catchUp) {

    public JobSchedule {
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(cron, "cron");
    }

    /**
     * Checks a cron expression given for a setting.
     *
     * @param setting the setting's name, for the message (e.g. "schedule-full")
     * @throws PgVaultException CONFIG naming the setting and the expected form
     */
    public static String checkCron(String setting, String cron) {
        try {
            CronExpression.validateExpression(cron);
            return cron;
        } catch (ParseException e) {
            throw new PgVaultException(ErrorCode.CONFIG, setting + " '" + cron + "' is not a Quartz cron expression ("
                    + e.getMessage() + "); it has seconds first and '?' for day-of-month or day-of-week, e.g. "
                    + "'0 0 1 * * ?' for 01:00 every day");
        }
    }

    /** The Quartz trigger for this schedule. */
    CronTrigger trigger() {
        CronScheduleBuilder schedule = CronScheduleBuilder.cronSchedule(checkCron(job.name(), cron));
        schedule = catchUp ? schedule.withMisfireHandlingInstructionFireAndProceed()
                : schedule.withMisfireHandlingInstructionDoNothing();
        return TriggerBuilder.newTrigger().withIdentity(job.name(), Agent.GROUP).withSchedule(schedule).build();
    }
}
