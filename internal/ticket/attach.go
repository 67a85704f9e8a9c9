package ticket

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// MaxAttachment is the largest photo or document a ticket takes.
const MaxAttachment = 10 << 20

// Attachment is a photo or PDF kept with a ticket. The content lives in
// the database, so a database backup holds everything.
type Attachment struct {
	ID          int64     `json:"id"`
	TicketID    int64     `json:"ticket_id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	CreatedBy   int64     `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	URL         string    `json:"url"`
}

// attachmentKinds are what an attachment may be, judged from the content,
// never from the file name or the client's claim.
var attachmentKinds = []web.Kind{web.KindJPEG, web.KindPNG, web.KindPDF}

// Attach stores a file with a ticket.
func (s *Service) Attach(ctx context.Context, by *auth.User, ticketID int64, name string, data []byte) (*Attachment, error) {
	if len(data) == 0 {
		return nil, errs.Invalid("file", "请选择文件")
	}
	if len(data) > MaxAttachment {
		return nil, errs.Invalid("file", "文件不能超过 10 MB")
	}
	k, err := web.CheckKind("file", data, attachmentKinds...)
	if err != nil {
		return nil, err
	}
	ct := string(k)
	name = strings.TrimSpace(path.Base(strings.ReplaceAll(name, "\\", "/")))
	if name == "" || name == "." || name == "/" || !utf8.ValidString(name) {
		name = "附件" + k.Ext()
	}
	if utf8.RuneCountInString(name) > 100 {
		name = string([]rune(name)[:100])
	}
	var a *Attachment
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		t, err := getTicket(ctx, tx, ticketID)
		if err != nil {
			return err
		}
		if !Sees(by, t) {
			return errs.Forbidden("该工单不在您的处理范围内")
		}
		if t.Status == StatusCancelled {
			return errs.Conflict("status", "已取消的工单不能再上传附件")
		}
		now := s.Now()
		a = &Attachment{TicketID: t.ID, Name: name, ContentType: ct, Size: int64(len(data)), CreatedBy: by.ID, CreatedAt: now}
		if err := tx.QueryRowContext(ctx, `INSERT INTO ticket_attachments (ticket_id, community_id, name, content_type, size, data,
			created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id`,
			t.ID, t.CommunityID, name, ct, a.Size, data, by.ID, now).Scan(&a.ID); err != nil {
			return fmt.Errorf("insert attachment: %w", err)
		}
		a.URL = fmt.Sprintf("/tickets/%d/attachments/%d", t.ID, a.ID)
		if err := addEvent(ctx, tx, t, now, by.ID, by.Name, "attach", t.Status, t.Status, name); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Actor: by.Actor(), CommunityID: t.CommunityID, Entity: "ticket",
			EntityID: t.ID, Action: "attach", After: a})
	})
	return a, err
}

// Attachments lists a ticket's files (without their content).
func (s *Service) Attachments(ctx context.Context, by *auth.User, ticketID int64) ([]Attachment, error) {
	t, err := getTicket(ctx, s.DB, ticketID)
	if err != nil {
		return nil, err
	}
	if !Sees(by, t) {
		return nil, errs.Forbidden("该工单不在您的处理范围内")
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT id, ticket_id, name, content_type, size, created_by, created_at
		FROM ticket_attachments WHERE ticket_id = $1 ORDER BY id`, ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Attachment{}
	for rows.Next() {
		var a Attachment
		if err := rows.Scan(&a.ID, &a.TicketID, &a.Name, &a.ContentType, &a.Size, &a.CreatedBy, &a.CreatedAt); err != nil {
			return nil, err
		}
		a.URL = fmt.Sprintf("/tickets/%d/attachments/%d", a.TicketID, a.ID)
		out = append(out, a)
	}
	return out, rows.Err()
}

// AttachmentData returns one file's content.
func (s *Service) AttachmentData(ctx context.Context, by *auth.User, ticketID, id int64) (*Attachment, []byte, error) {
	t, err := getTicket(ctx, s.DB, ticketID)
	if err != nil {
		return nil, nil, err
	}
	if !Sees(by, t) {
		return nil, nil, errs.Forbidden("该工单不在您的处理范围内")
	}
	var a Attachment
	var data []byte
	err = s.DB.QueryRowContext(ctx, `SELECT id, ticket_id, name, content_type, size, created_by, created_at, data
		FROM ticket_attachments WHERE id = $1 AND ticket_id = $2`, id, ticketID).
		Scan(&a.ID, &a.TicketID, &a.Name, &a.ContentType, &a.Size, &a.CreatedBy, &a.CreatedAt, &data)
	if err == sql.ErrNoRows {
		return nil, nil, errs.NotFound("附件不存在")
	}
	return &a, data, err
}

// attachRoutes registers upload and download for the API and the pages.
func (h *Handlers) attachRoutes(rt *web.Router) {
	rt.Handle("POST /api/v1/tickets/{id}/attachments", auth.PermTicketWork, h.upload(true))
	rt.Handle("GET /api/v1/tickets/{id}/attachments", auth.PermTicketRead, h.apiAttachments)
	rt.Handle("POST /tickets/{id}/attachments", auth.PermTicketWork, h.upload(false))
	rt.Handle("GET /tickets/{id}/attachments/{aid}", auth.PermTicketRead, h.download)
}

func (h *Handlers) upload(api bool) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.ID(r, "id")
		if err != nil {
			return err
		}
		// Scope first: another community's ticket is a 403 whatever the
		// upload looks like.
		if _, err := h.S.Get(r.Context(), user(r), id); err != nil {
			return err
		}
		name, data, err := web.ReadUpload(w, r, "file", MaxAttachment, attachmentKinds...)
		var a *Attachment
		if err == nil {
			a, err = h.S.Attach(r.Context(), user(r), id, name, data)
		}
		if api {
			if err != nil {
				return err
			}
			return web.WriteJSON(w, http.StatusCreated, a)
		}
		if e, ok := errs.As(err); ok && (e.Code == errs.CodeInvalid || e.Code == errs.CodeConflict) {
			web.Redirect(w, r, fmt.Sprintf("/tickets/%d", id), "上传失败："+e.Message)
			return nil
		}
		if err != nil {
			return err
		}
		web.Redirect(w, r, fmt.Sprintf("/tickets/%d", id), "已上传 "+a.Name)
		return nil
	}
}

func (h *Handlers) apiAttachments(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	as, err := h.S.Attachments(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"items": as, "total": len(as)})
}

func (h *Handlers) download(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	aid, err := web.ID(r, "aid")
	if err != nil {
		return err
	}
	a, data, err := h.S.AttachmentData(r.Context(), user(r), id, aid)
	if err != nil {
		return err
	}
	return web.ServeInline(w, a.Name, a.ContentType, data)
}
