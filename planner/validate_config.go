package planner

import (
	"context"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/providers/plugin"
)

// ValidateResourceConfig asks provider p to validate the evaluated
// configuration cfg of res, as plan does before planning it, and returns
// the problems as plan reports them (at the attribute they name, else at
// the block). validate uses it so that it reports what plan would.
func ValidateResourceConfig(ctx context.Context, p Provider, res *config.Resource, addr string, cfg cty.Value) hcl.Diagnostics {
	// Most configurations carry no marks: unmarking copies the whole value.
	unmarked, cfgMarks := cfg, []cty.PathValueMarks(nil)
	if marks.Any(cfg) {
		unmarked, cfgMarks = cfg.UnmarkDeepWithPaths()
	}
	if res.Mode != config.EphemeralMode && cfgMarks != nil && marks.Contains(cfg, marks.Ephemeral) {
		if s, err := p.Schema(ctx); err == nil {
			blocks := s.Resources
			if res.Mode == config.DataMode {
				blocks = s.DataSources
			}
			if rs, ok := blocks[res.Type]; ok {
				if _, d := ephemeralUse(res, addr, rs.Block, cfgMarks); d.HasErrors() {
					return d
				}
			}
		}
	}
	req := plugin.ValidateRequest{Addr: addr, TypeName: res.Type, Config: unmarked}
	switch res.Mode {
	case config.DataMode:
		return toDiagsIn(p.ValidateDataResourceConfig(ctx, req), addr, "ValidateDataResourceConfig", res.DeclRange.Ptr(), res.Config)
	case config.EphemeralMode:
		if ep, ok := p.(EphemeralProvider); ok {
			return toDiagsIn(ep.ValidateEphemeralResourceConfig(ctx, req), addr, "ValidateEphemeralResourceConfig", res.DeclRange.Ptr(), res.Config)
		}
		return nil
	}
	return toDiagsIn(p.ValidateResourceConfig(ctx, req), addr, "ValidateResourceConfig", res.DeclRange.Ptr(), res.Config)
}
