package auth

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strings"

	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Option is a community choice on the user form.
type Option struct {
	ID   int64
	Name string
}

// Handlers are the login, account and user-admin routes.
type Handlers struct {
	S *Service
	// Communities lists every community for the scope checkboxes.
	Communities func(ctx context.Context) ([]Option, error)
	t           *web.Templates
}

// Routes registers the auth routes on rt.
func (h *Handlers) Routes(rt *web.Router) {
	h.t = web.ParseTemplates(templateFS, template.FuncMap{
		"maxFailed":   func() int { return MaxFailedPasswords },
		"lockMinutes": func() int { return int(LockoutDuration.Minutes()) },
	})
	rt.Handle("GET /login", "", h.loginPage)
	rt.Handle("POST /login", "", h.loginPost)
	rt.Handle("POST /logout", PermSignedIn, h.logout)
	rt.Handle("POST /logout/all", PermSignedIn, h.logoutAll)
	rt.Handle("GET /account", PermSignedIn, h.account)
	rt.Handle("POST /account/password", PermSignedIn, h.accountPassword)
	rt.Handle("POST /account/email", PermSignedIn, h.accountEmail)

	rt.Handle("POST /api/v1/login", "", h.apiLogin)
	rt.Handle("POST /api/v1/logout", PermSignedIn, h.apiLogout)
	rt.Handle("POST /api/v1/logout/all", PermSignedIn, h.apiLogoutAll)
	rt.Handle("GET /api/v1/me", PermSignedIn, func(w http.ResponseWriter, r *http.Request) error {
		return web.WriteJSON(w, http.StatusOK, UserOf(r.Context()))
	})

	rt.Handle("GET /admin/users", PermUsersAdmin, h.usersPage)
	rt.Handle("GET /admin/users/new", PermUsersAdmin, h.userForm)
	rt.Handle("POST /admin/users", PermUsersAdmin, h.userCreate)
	rt.Handle("GET /admin/users/{id}", PermUsersAdmin, h.userForm)
	rt.Handle("POST /admin/users/{id}", PermUsersAdmin, h.userUpdate)
	rt.Handle("POST /admin/users/{id}/disable", PermUsersAdmin, h.userDisable(true))
	rt.Handle("POST /admin/users/{id}/enable", PermUsersAdmin, h.userDisable(false))
	rt.Handle("POST /admin/users/{id}/password", PermUsersAdmin, h.userPassword)
	rt.Handle("POST /admin/users/{id}/unlock", PermUsersAdmin, h.userUnlock)

	rt.Handle("GET /api/v1/users", PermUsersAdmin, h.apiUsers)
	rt.Handle("POST /api/v1/users", PermUsersAdmin, h.apiUserCreate)
	rt.Handle("GET /api/v1/users/{id}", PermUsersAdmin, h.apiUser)
	rt.Handle("PUT /api/v1/users/{id}", PermUsersAdmin, h.apiUserUpdate)
	rt.Handle("POST /api/v1/users/{id}/disable", PermUsersAdmin, h.apiUserDisable(true))
	rt.Handle("POST /api/v1/users/{id}/enable", PermUsersAdmin, h.apiUserDisable(false))
	rt.Handle("POST /api/v1/users/{id}/password", PermUsersAdmin, h.apiUserPassword)
	rt.Handle("POST /api/v1/users/{id}/unlock", PermUsersAdmin, h.userUnlock)
}

// ClientIP is the caller's address (no proxy headers are trusted).
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

// loginPage is the login form; a browser sent here by a timed-out
// session is told so (its cookie still names the ended session).
func (h *Handlers) loginPage(w http.ResponseWriter, r *http.Request) error {
	p := &web.Page{Title: "登录", Form: r.URL.Query()}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		if _, err := h.S.Authenticate(r.Context(), c.Value, KindWeb); errors.Is(err, errExpired) {
			p.Flash = errExpired.Message
			if err := h.S.Logout(r.Context(), c.Value); err != nil {
				return err
			}
			clearCookie(w)
		}
	}
	return h.t.Render(w, r, http.StatusOK, "login", p)
}

func (h *Handlers) loginPost(w http.ResponseWriter, r *http.Request) error {
	tok, _, err := h.S.Login(r.Context(), r.FormValue("login"), r.FormValue("password"), ClientIP(r), r.UserAgent(), KindWeb)
	if err != nil {
		e, ok := errs.As(err)
		if !ok {
			return err
		}
		form := url.Values{"login": {r.FormValue("login")}, "next": {r.FormValue("next")}}
		return h.t.Render(w, r, web.StatusOf(err), "login", &web.Page{Title: "登录", Form: form,
			Errors: map[string]string{"": e.Message}})
	}
	// A browser-session cookie: the server ends the session (idle timeout,
	// 12 hours at most), and closing the browser of a shared front-desk
	// PC signs out too.
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: tok, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	http.Redirect(w, r, safeNext(r.FormValue("next")), http.StatusSeeOther)
	return nil
}

func clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
}

func (h *Handlers) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if err := h.S.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	clearCookie(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

func (h *Handlers) logoutAll(w http.ResponseWriter, r *http.Request) error {
	if err := h.S.LogoutEverywhere(r.Context(), UserOf(r.Context()).ID); err != nil {
		return err
	}
	clearCookie(w)
	web.Redirect(w, r, "/login", "已在所有设备上退出")
	return nil
}

func (h *Handlers) account(w http.ResponseWriter, r *http.Request) error {
	u := UserOf(r.Context())
	return h.t.Render(w, r, http.StatusOK, "account", &web.Page{Title: "我的账号", Data: u, Form: url.Values{"email": {u.Email}}})
}

func (h *Handlers) accountPassword(w http.ResponseWriter, r *http.Request) error {
	u := UserOf(r.Context())
	err := h.S.checkOwn(r.Context(), u.ID, r.FormValue("old_password"), ClientIP(r), "old_password", "原密码不正确")
	if err == nil && r.FormValue("password") != r.FormValue("password2") {
		err = errs.Invalid("password2", "两次输入的新密码不一致")
	}
	if err == nil {
		err = h.S.SetPassword(r.Context(), u, u.ID, r.FormValue("password"))
	}
	if err != nil {
		if _, ok := errs.As(err); !ok {
			return err
		}
		return h.t.Render(w, r, web.StatusOf(err), "account", &web.Page{Title: "我的账号", Data: u,
			Form: url.Values{"email": {u.Email}}, Errors: errs.ByField(err)})
	}
	clearCookie(w)
	web.Redirect(w, r, "/login", "密码已修改，请重新登录")
	return nil
}

// accountEmail sets the signed-in user's own e-mail address.
func (h *Handlers) accountEmail(w http.ResponseWriter, r *http.Request) error {
	u := UserOf(r.Context())
	email := strings.TrimSpace(r.FormValue("email"))
	if _, err := h.S.SetEmail(r.Context(), u, u.ID, email); err != nil {
		if _, ok := errs.As(err); !ok {
			return err
		}
		return h.t.Render(w, r, web.StatusOf(err), "account", &web.Page{Title: "我的账号", Data: u,
			Form: url.Values{"email": {email}}, Errors: errs.ByField(err)})
	}
	msg := "电子邮箱已保存"
	if email == "" {
		msg = "电子邮箱已删除，将不再收到邮件通知"
	}
	web.Redirect(w, r, "/account", msg)
	return nil
}

func (h *Handlers) apiLogin(w http.ResponseWriter, r *http.Request) error {
	var in struct{ Login, Password string }
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	tok, u, err := h.S.Login(r.Context(), in.Login, in.Password, ClientIP(r), r.UserAgent(), KindAPI)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"token": tok, "user": u})
}

func bearer(r *http.Request) string {
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

func (h *Handlers) apiLogout(w http.ResponseWriter, r *http.Request) error {
	if err := h.S.Logout(r.Context(), bearer(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handlers) apiLogoutAll(w http.ResponseWriter, r *http.Request) error {
	if err := h.S.LogoutEverywhere(r.Context(), UserOf(r.Context()).ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
