// Package metrics reads the observed figures of sites — availability,
// latency, free capacity, whether the site is up — for the ranker
// (planner/rank). It is where the I/O of ranking lives, so that rank stays
// pure.
//
// A site's source is a JSON document or a Prometheus text-format
// exposition, read from a local file or over HTTP, with a freshness limit
// (Source.MaxAge) and a timeout. Reading never fails a plan: a missing
// file, an endpoint that does not answer or answers 500, a document that
// does not parse, all give a rank.Metrics whose Err says what happened, and
// the plan shows it as a note on the site. FetchAll reads several sites
// concurrently under a bound.
//
// It is not a monitoring system: it reads one snapshot per plan, keeps no
// history and does not query PromQL (point it at an exporter's /metrics or
// at a federation endpoint with match[] selectors).
//
// # JSON
//
//	{
//	  "observed_at":  "2025-03-01T11:58:00Z",  // RFC 3339; default: the file's mtime, or the HTTP Date header
//	  "up":           true,                    // false: the site is down (hard filter)
//	  "availability": 0.9982,                  // observed availability, 0..1
//	  "latency_ms":   42.5,                    // observed latency in milliseconds
//	  "free": {                                // free capacity, by resource
//	    "cpus": 120, "gpus": 2,
//	    "memory": "512GiB",                    // numbers, or quantities as lang/units reads them
//	    "storage": 12e12                       // memory and storage in bytes
//	  }
//	}
//
// Every field is optional; unknown fields are ignored.
//
// # Prometheus text format
//
// Samples are matched by metric name (and by the labels in Source.Match;
// a series without such a label is not excluded):
//
//	indigo_site_up                                 0 means down (any matching series)
//	openstack_nova_up                              0 means down (openstack-exporter: Nova API unreachable)
//	indigo_site_availability_ratio                 availability, 0..1 (the lowest matching series)
//	indigo_site_latency_seconds                    latency, seconds (the highest matching series)
//	indigo_site_free{resource="cpus"}              free capacity of a resource, in its unit (summed)
//	indigo_site_observed_timestamp_seconds         when the figures were taken (Unix seconds)
//	openstack_nova_limits_vcpus_max/_used          free cpus = max - used, per tenant, summed (max -1: unlimited, skipped)
//	openstack_nova_limits_memory_max/_used         free memory, reported in MiB
//	openstack_cinder_limits_volume_max_gb/_used_gb free storage, reported in GiB
//
// indigo_site_free wins over the openstack-exporter figures for the same
// resource. Without indigo_site_observed_timestamp_seconds, the time is the
// oldest sample timestamp, else the file's mtime or the HTTP Date header.
// A document with none of these names is reported as an error, so that a
// wrong URL does not pass silently.
package metrics
