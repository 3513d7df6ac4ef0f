// Package slurm is the Slurm target of indigo's built-in provider: batch
// jobs submitted with sbatch to a real Slurm cluster, tracked to the end
// with squeue, scontrol and sacct, cancelled with scancel. It runs Slurm's
// own client commands (they must be on PATH, as on any submit host); the
// cluster is found through a slurm.conf, the provider's slurm block or the
// environment's SLURM_CONF.
//
// It adds one block to the indigo provider's configuration (see
// ProviderBlocks): slurm, naming the site (for messages), its slurm.conf
// and the default working directory of jobs. Configure turns it into a
// *Site, which the provider hands to resources through a value with a
// SlurmSite method.
//
// Resources:
//
//   - indigo_slurm_job: one batch job. Create submits it and, by default,
//     waits until it ends: a job that ends other than COMPLETED fails the
//     create with the end of its standard error, and the job stays
//     recorded (so the next apply replaces it). Read asks the controller
//     (squeue, scontrol) and then the accounting (sacct, or sacct
//     --completion where only a job completion log is kept); a job no
//     longer known anywhere is gone from state, and a job that was
//     cancelled or failed since is replaced by the next apply. Delete
//     cancels a job still pending or running and waits until it has
//     ended. Import by job id.
//
// Jobs being waited for are tracked together (tracker.go): one squeue
// call per poll for all of them, so a hundred jobs cost the controller no
// more than one.
//
// What it is not: a workflow engine (dependencies between jobs are the
// plan's dependencies), or a way to run anything on the submit host.
//
// The user-facing reference is docs/provider-indigo.md.
package slurm
