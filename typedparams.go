package libvirt

import "context"

// featureTypedParamString is libvirt's VIR_DRV_FEATURE_TYPED_PARAM_STRING:
// the daemon's driver can send string typed parameters.
const featureTypedParamString = 9

// typedParamStringOkay returns VIR_TYPED_PARAM_STRING_OKAY when the daemon
// supports string typed parameters, else 0. Generated getters that
// libvirt's C library treats this way add it to their flags, so string
// parameters are not silently left out. The daemon is asked once per
// connection; a failed probe is not remembered.
func (c *Client) typedParamStringOkay(ctx context.Context) uint32 {
	switch c.stringParams.Load() {
	case 1:
		return uint32(TypedParamStringOkay)
	case 2:
		return 0
	}
	ok, err := c.ConnectSupportsFeature(ctx, featureTypedParamString)
	if err != nil {
		return 0
	}
	if ok == 1 {
		c.stringParams.Store(1)
		return uint32(TypedParamStringOkay)
	}
	c.stringParams.Store(2)
	return 0
}
