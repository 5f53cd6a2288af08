package register

import "cpr/pnr"

// The Subject of each change (see Change).

// Subject of a birth: none yet.
func (c Birth) Subject() pnr.PNR { return 0 }

// Subject of an immigration: the returning person, or zero for a newcomer.
func (c Immigration) Subject() pnr.PNR { return c.PNR }

func (c Move) Subject() pnr.PNR             { return c.PNR }
func (c NameChange) Subject() pnr.PNR       { return c.PNR }
func (c Marriage) Subject() pnr.PNR         { return c.PNR }
func (c Divorce) Subject() pnr.PNR          { return c.PNR }
func (c Death) Subject() pnr.PNR            { return c.PNR }
func (c Emigration) Subject() pnr.PNR       { return c.PNR }
func (c ProtectionChange) Subject() pnr.PNR { return c.PNR }
func (c PNRChange) Subject() pnr.PNR        { return c.PNR }
func (c Correction) Subject() pnr.PNR       { return c.PNR }
