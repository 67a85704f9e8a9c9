package auth

import (
	"context"
	"embed"
	"net"
	"net/http"
	"net/url"
	"strconv"
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
	h.t = web.ParseTemplates(templateFS, nil)
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

	rt.Handle("GET /api/v1/users", PermUsersAdmin, h.apiUsers)
	rt.Handle("POST /api/v1/users", PermUsersAdmin, h.apiUserCreate)
	rt.Handle("GET /api/v1/users/{id}", PermUsersAdmin, h.apiUser)
	rt.Handle("PUT /api/v1/users/{id}", PermUsersAdmin, h.apiUserUpdate)
	rt.Handle("POST /api/v1/users/{id}/disable", PermUsersAdmin, h.apiUserDisable(true))
	rt.Handle("POST /api/v1/users/{id}/enable", PermUsersAdmin, h.apiUserDisable(false))
	rt.Handle("POST /api/v1/users/{id}/password", PermUsersAdmin, h.apiUserPassword)
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

func (h *Handlers) loginPage(w http.ResponseWriter, r *http.Request) error {
	return h.t.Render(w, r, http.StatusOK, "login", &web.Page{Title: "登录", Form: r.URL.Query()})
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
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: tok, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil, MaxAge: int(WebSessionTTL.Seconds())})
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
	err := h.S.CheckOwnPassword(r.Context(), u.ID, r.FormValue("old_password"))
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

// user admin pages

type userFormData struct {
	U           *User
	Roles       []Role
	Departments []string
	Communities []Option
	Selected    map[int64]bool
}

func (h *Handlers) usersPage(w http.ResponseWriter, r *http.Request) error {
	users, err := h.S.Users(r.Context(), ListFilter{Q: r.URL.Query().Get("q"), Role: Role(r.URL.Query().Get("role"))})
	if err != nil {
		return err
	}
	opts, err := h.Communities(r.Context())
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, o := range opts {
		names[o.ID] = o.Name
	}
	return h.t.Render(w, r, http.StatusOK, "users", &web.Page{Title: "用户管理", Nav: "users",
		Data: map[string]any{"Users": users, "Roles": Roles, "Names": names}})
}

func (h *Handlers) formData(ctx context.Context, u *User) (*userFormData, error) {
	opts, err := h.Communities(ctx)
	if err != nil {
		return nil, err
	}
	d := &userFormData{U: u, Roles: Roles, Departments: Departments, Communities: opts, Selected: map[int64]bool{}}
	if u != nil {
		for _, c := range u.Communities {
			d.Selected[c] = true
		}
	}
	return d, nil
}

func (h *Handlers) userForm(w http.ResponseWriter, r *http.Request) error {
	var u *User
	title := "新建用户"
	if r.PathValue("id") != "" {
		id, err := web.ID(r, "id")
		if err != nil {
			return err
		}
		if u, err = h.S.User(r.Context(), id); err != nil {
			return err
		}
		title = "编辑用户 " + u.Name
	}
	d, err := h.formData(r.Context(), u)
	if err != nil {
		return err
	}
	form := url.Values{}
	if u != nil {
		form = url.Values{"login": {u.Login}, "name": {u.Name}, "role": {string(u.Role)}, "department": {u.Department},
			"phone": {u.Phone}, "email": {u.Email}}
	}
	return h.t.Render(w, r, http.StatusOK, "user_form", &web.Page{Title: title, Nav: "users", Form: form, Data: d})
}

func inputFromForm(r *http.Request) (UserInput, error) {
	r.ParseForm()
	in := UserInput{Login: r.FormValue("login"), Name: r.FormValue("name"), Role: Role(r.FormValue("role")),
		Department: r.FormValue("department"), Phone: strings.TrimSpace(r.FormValue("phone")), Email: r.FormValue("email")}
	for _, s := range r.Form["communities"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return in, errs.Invalid("communities", "小区选择无效")
		}
		in.Communities = append(in.Communities, id)
	}
	return in, nil
}

func (h *Handlers) formError(w http.ResponseWriter, r *http.Request, u *User, in UserInput, err error) error {
	if _, ok := errs.As(err); !ok {
		return err
	}
	d, derr := h.formData(r.Context(), u)
	if derr != nil {
		return derr
	}
	d.Selected = map[int64]bool{}
	for _, c := range in.Communities {
		d.Selected[c] = true
	}
	title := "新建用户"
	if u != nil {
		title = "编辑用户 " + u.Name
	}
	return h.t.Render(w, r, web.StatusOf(err), "user_form", &web.Page{Title: title, Nav: "users", Form: r.Form,
		Errors: errs.ByField(err), Data: d})
}

func (h *Handlers) userCreate(w http.ResponseWriter, r *http.Request) error {
	in, err := inputFromForm(r)
	if err == nil && r.FormValue("password") != r.FormValue("password2") {
		err = errs.Invalid("password2", "两次输入的密码不一致")
	}
	var u *User
	if err == nil {
		u, err = h.S.CreateUser(r.Context(), UserOf(r.Context()), in, r.FormValue("password"))
	}
	if err != nil {
		return h.formError(w, r, nil, in, err)
	}
	web.Redirect(w, r, "/admin/users", "已创建用户 "+u.Name)
	return nil
}

func (h *Handlers) userUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	cur, err := h.S.User(r.Context(), id)
	if err != nil {
		return err
	}
	in, err := inputFromForm(r)
	if err == nil {
		_, err = h.S.UpdateUser(r.Context(), UserOf(r.Context()), id, in)
	}
	if err != nil {
		return h.formError(w, r, cur, in, err)
	}
	web.Redirect(w, r, "/admin/users", "已保存 "+in.Name)
	return nil
}

func (h *Handlers) userDisable(disabled bool) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.ID(r, "id")
		if err != nil {
			return err
		}
		if err := h.S.SetDisabled(r.Context(), UserOf(r.Context()), id, disabled); err != nil {
			return err
		}
		msg := "已启用"
		if disabled {
			msg = "已停用并强制下线"
		}
		web.Redirect(w, r, "/admin/users", msg)
		return nil
	}
}

func (h *Handlers) userPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	if err := h.S.SetPassword(r.Context(), UserOf(r.Context()), id, r.FormValue("password")); err != nil {
		if e, ok := errs.As(err); ok {
			web.Redirect(w, r, "/admin/users/"+r.PathValue("id"), "重置失败："+e.Message)
			return nil
		}
		return err
	}
	web.Redirect(w, r, "/admin/users", "密码已重置，该用户需重新登录")
	return nil
}

// user admin API

func (h *Handlers) apiUsers(w http.ResponseWriter, r *http.Request) error {
	users, err := h.S.Users(r.Context(), ListFilter{Q: r.URL.Query().Get("q"), Role: Role(r.URL.Query().Get("role"))})
	if err != nil {
		return err
	}
	if users == nil {
		users = []*User{}
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"items": users, "total": len(users)})
}

func (h *Handlers) apiUser(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	u, err := h.S.User(r.Context(), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, u)
}

func (h *Handlers) apiUserCreate(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		UserInput
		Password string `json:"password"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	u, err := h.S.CreateUser(r.Context(), UserOf(r.Context()), in.UserInput, in.Password)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, u)
}

func (h *Handlers) apiUserUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	cur, err := h.S.User(r.Context(), id)
	if err != nil {
		return err
	}
	// A client written before e-mail existed sends none: keep the
	// address then ("email": "" removes it).
	in := UserInput{Email: cur.Email}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	u, err := h.S.UpdateUser(r.Context(), UserOf(r.Context()), id, in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, u)
}

func (h *Handlers) apiUserDisable(disabled bool) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.ID(r, "id")
		if err != nil {
			return err
		}
		if err := h.S.SetDisabled(r.Context(), UserOf(r.Context()), id, disabled); err != nil {
			return err
		}
		u, err := h.S.User(r.Context(), id)
		if err != nil {
			return err
		}
		return web.WriteJSON(w, http.StatusOK, u)
	}
}

func (h *Handlers) apiUserPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	var in struct{ Password string }
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := h.S.SetPassword(r.Context(), UserOf(r.Context()), id, in.Password); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
