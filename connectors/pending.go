package connectors

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"regie/trust"
	"regie/wallet"
)

// OutcomeQueued is the outcome of a push to a locked vault that passed the
// host's check and waits, encrypted to the vault, for the next unlock.
const OutcomeQueued = "queued"

// Queue takes pushed statements for a locked vault. Each is checked against
// v (the host's trust list, any subject) so that junk is refused at once,
// and the ones that pass are stored in the box encrypted to the vault, all
// in one transaction. A statement already waiting, or repeated in the same
// push, is queued once (outcome duplicate); a push that would take the queue
// beyond quota is wallet.ErrQueueFull (wallet.ErrIssuerFull beyond its
// issuer's share of the quota) and queues nothing. The vault verifies the
// statements in full when it imports them.
func Queue(ctx context.Context, box *wallet.Box, v *trust.Verifier, quota wallet.PendingQuota, items []Item) (Report, error) {
	rep := Report{Items: make([]ItemResult, len(items))}
	ok := make([]bool, len(items))
	for i, it := range items {
		rep.Items[i] = ItemResult{Index: i, Name: it.Name}
		st, err := v.Verify(it.JWS)
		if err != nil {
			rep.Items[i].Outcome = OutcomeRefused
			rep.Items[i].Reason = trust.ReasonCode(err)
			rep.Items[i].Message = err.Error()
			rep.Refused++
			continue
		}
		rep.Items[i].Issuer, rep.Items[i].ID = st.Issuer, st.ID
		ok[i] = true
	}
	if rep.Refused == len(items) {
		return rep, nil
	}
	// Encrypted before the write, which runs one at a time; a statement
	// repeated in the bundle once.
	at := make([]int, len(items))
	first := map[string]int{}
	var plains [][]byte
	for i, it := range items {
		if !ok[i] {
			continue
		}
		n, seen := first[it.JWS]
		if !seen {
			n = len(plains)
			first[it.JWS] = n
			plains = append(plains, []byte(it.JWS))
		}
		at[i] = n
	}
	sealed, err := box.SealPending(ctx, plains)
	if err != nil {
		return rep, err
	}
	added := make([]bool, len(items))
	err = box.Update(ctx, func(tx *wallet.BoxTx) error {
		// A batched write may run again: set added from this run alone.
		clear(added)
		for i := range items {
			if !ok[i] {
				continue
			}
			var err error
			if added[i], err = tx.AddSealedPending(plains[at[i]], sealed[at[i]], rep.Items[i].Issuer, quota); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	for i := range items {
		switch {
		case added[i]:
			rep.Items[i].Outcome = OutcomeQueued
			rep.Queued++
		case ok[i]:
			rep.Items[i].Outcome = OutcomeDuplicate
			rep.Duplicates++
		}
	}
	return rep, nil
}

// ImportPending imports what was pushed while the vault was locked: each
// queued statement is decrypted, verified in full against the vault's own
// trust list and stored like any push, and then removed from the box. One
// that does not decrypt is refused and removed too. The report tells the
// resident what arrived while they were away.
func (im *Importer) ImportPending(ctx context.Context, box *wallet.Box) (Report, error) {
	var list []wallet.Pending
	if err := box.View(ctx, func(tx *wallet.BoxTx) error {
		var err error
		list, err = tx.Pending()
		return err
	}); err != nil || len(list) == 0 {
		return Report{}, err
	}
	items := make([]Item, 0, len(list))
	var unreadable []int
	for i, p := range list {
		plain, err := im.Vault.Decrypt(ctx, wallet.PendingType, p.JWE)
		if err != nil {
			if ctx.Err() != nil {
				return Report{}, err
			}
			unreadable = append(unreadable, i)
			continue
		}
		items = append(items, Item{JWS: string(plain)})
	}
	rep, err := im.Import(ctx, wallet.ChannelPush, items, nil)
	if err != nil {
		return rep, err
	}
	if err := im.logMisaddressed(ctx, items, &rep); err != nil {
		return rep, err
	}
	for range unreadable {
		rep.AddUnreadable("", "unreadable", wallet.ErrCorrupt)
	}
	err = box.Update(ctx, func(tx *wallet.BoxTx) error {
		for _, p := range list {
			if err := tx.DeletePending(p.Seq); err != nil {
				return err
			}
		}
		return nil
	})
	return rep, err
}

// logMisaddressed names the sender of every queued statement refused as
// being about someone else: its signature verified against the vault's
// trust list, so its issuer is known for certain. The report's items get
// the issuer, and the resident's log one entry per sender with the count,
// so that a trusted organisation filling the queue with other people's
// statements while the resident was away is seen for who it is.
func (im *Importer) logMisaddressed(ctx context.Context, items []Item, rep *Report) error {
	tl, err := trust.Store{Vault: im.Vault}.Load(ctx)
	if err != nil {
		return err
	}
	v := &trust.Verifier{Trust: tl, AnySubject: true, AllowExpired: true, Now: im.Vault.Now}
	counts := map[string]int{}
	var order []string
	for i := range items {
		it := &rep.Items[i]
		if it.Outcome != OutcomeRefused || it.Reason != trust.ReasonCode(trust.ErrWrongSubject) {
			continue
		}
		st, err := v.Verify(items[i].JWS)
		if err != nil {
			continue
		}
		it.Issuer = st.Issuer
		if counts[st.Issuer] == 0 {
			order = append(order, st.Issuer)
		}
		counts[st.Issuer]++
	}
	if len(order) == 0 {
		return nil
	}
	return im.Vault.Update(ctx, func(tx *wallet.Tx) error {
		for _, iss := range order {
			err := tx.AppendEvent(wallet.Event{Kind: wallet.EventStatementRefused, Actor: iss,
				Reason: trust.ReasonCode(trust.ErrWrongSubject), Count: counts[iss], Via: wallet.ChannelPush})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// ErrMediaType is a push whose Content-Type is neither application/jose
// nor application/json.
var ErrMediaType = errors.New("send application/jose or application/json")

// ParsePush reads a push body: one compact JWS as application/jose, or a
// bundle as application/json. The media type must say which one it is;
// a mismatch is ErrBundle, an unknown type ErrMediaType.
func ParsePush(contentType string, body []byte) ([]Item, error) {
	isJOSE := strings.HasPrefix(contentType, "application/jose")
	if !isJOSE && !strings.HasPrefix(contentType, "application/json") {
		return nil, ErrMediaType
	}
	if isBundle := strings.HasPrefix(strings.TrimSpace(string(body)), "{"); isJOSE == isBundle {
		return nil, fmt.Errorf("%w: application/jose takes one compact JWS, application/json a bundle", ErrBundle)
	}
	list, err := ParseBundle(body)
	if err != nil {
		return nil, err
	}
	items := make([]Item, len(list))
	for i, jws := range list {
		items[i] = Item{JWS: jws}
	}
	return items, nil
}
