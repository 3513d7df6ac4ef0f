package terraform

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/zclconf/go-cty/cty"
	ctymsgpack "github.com/zclconf/go-cty/cty/msgpack"
)

// The framework hands functions their arguments as attr.Values over
// tftypes; hclwrite and hclsyntax speak cty. These convert between the two.

// ctyDynamic is the value of a dynamic argument.
func ctyDynamic(ctx context.Context, d types.Dynamic) (cty.Value, error) {
	if d.IsUnknown() {
		return cty.DynamicVal, nil
	}
	uv := d.UnderlyingValue()
	if d.IsNull() || uv == nil {
		return cty.NullVal(cty.DynamicPseudoType), nil
	}
	tv, err := uv.ToTerraformValue(ctx)
	if err != nil {
		return cty.NilVal, err
	}
	return ctyValue(tv)
}

// frameworkDynamic is v as a dynamic result.
func frameworkDynamic(ctx context.Context, v cty.Value) (types.Dynamic, error) {
	tv, err := tftypesValue(v)
	if err != nil {
		return types.Dynamic{}, err
	}
	av, err := types.DynamicType.ValueFromTerraform(ctx, tv)
	if err != nil {
		return types.Dynamic{}, err
	}
	return av.(types.Dynamic), nil
}

// ctyValue is the cty value of a tftypes value. Both libraries read and
// write the plugin protocol's MessagePack encoding of a dynamic value (its
// type, then the value), so the value goes through it.
func ctyValue(v tftypes.Value) (cty.Value, error) {
	dv, err := tfprotov6.NewDynamicValue(tftypes.DynamicPseudoType, v)
	if err != nil {
		return cty.NilVal, err
	}
	return ctymsgpack.Unmarshal(dv.MsgPack, cty.DynamicPseudoType)
}

// tftypesValue is the tftypes value of a cty value, through the same
// encoding.
func tftypesValue(v cty.Value) (tftypes.Value, error) {
	b, err := ctymsgpack.Marshal(v, cty.DynamicPseudoType)
	if err != nil {
		return tftypes.Value{}, err
	}
	return (&tfprotov6.DynamicValue{MsgPack: b}).Unmarshal(tftypes.DynamicPseudoType)
}
