# A batch job on the Slurm cluster of the provider's slurm block, waited for
# until it completes.
resource "indigo_slurm_job" "reference" {
  name        = "make_reference"
  script      = "for i in $(seq 1 $SAMPLES); do echo sample-$i; done"
  environment = { SAMPLES = "3" }
  cpus        = 1
  memory      = "64M"
  time_limit  = "00:05:00"
}
