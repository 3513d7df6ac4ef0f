package main

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/indigo-cloud/indigo/providers/plugin"
)

// The provider answer cache (docs/engine.md, "Provider answers kept between
// runs"): on unless INDIGO_PROVIDER_CACHE=off or -provider-cache=false says
// otherwise; the providers whose plans are never kept are
// INDIGO_PROVIDER_CACHE_IMPURE when it is set.

// providerCacheDefault is the default of -provider-cache.
func providerCacheDefault() bool { return envBool("INDIGO_PROVIDER_CACHE", true) }

// answerCache returns the working directory's provider answer cache, or nil
// when it is turned off.
func (w *workspace) answerCache() *plugin.AnswerCache {
	on := providerCacheDefault()
	if w.providerCache != nil {
		on = *w.providerCache
	}
	if !on {
		return nil
	}
	c := &plugin.AnswerCache{Dir: filepath.Join(dataDir(w.dir), "provider-answers")}
	if list, ok := os.LookupEnv("INDIGO_PROVIDER_CACHE_IMPURE"); ok {
		c.Impure = []string{}
		for _, s := range strings.Split(list, ",") {
			if s = strings.TrimSpace(s); s != "" {
				c.Impure = append(c.Impure, s)
			}
		}
	}
	return c
}
