package auth

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// User administration. Whatever grants or changes an account's access —
// creating it, its role, department or communities, disabling or
// enabling it, resetting its password — asks for the administrator's own
// password (Reauth); a name, phone or e-mail change does not.

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

// renderUserForm shows the new-user form (u nil) or an account's page
// with the given values, ticked communities and errors.
func (h *Handlers) renderUserForm(w http.ResponseWriter, r *http.Request, status int, u *User, form url.Values,
	communities []int64, errors map[string]string) error {
	opts, err := h.Communities(r.Context())
	if err != nil {
		return err
	}
	d := &userFormData{U: u, Roles: Roles, Departments: Departments, Communities: opts, Selected: map[int64]bool{}}
	for _, c := range communities {
		d.Selected[c] = true
	}
	title := "新建用户"
	if u != nil {
		title = "编辑用户 " + u.Name
	}
	return h.t.Render(w, r, status, "user_form", &web.Page{Title: title, Nav: "users", Form: form, Errors: errors, Data: d})
}

func userValues(u *User) url.Values {
	if u == nil {
		return url.Values{}
	}
	return url.Values{"login": {u.Login}, "name": {u.Name}, "role": {string(u.Role)}, "department": {u.Department},
		"phone": {u.Phone}, "email": {u.Email}}
}

// userOf loads the account named by the path.
func (h *Handlers) userOf(r *http.Request) (*User, error) {
	id, err := web.ID(r, "id")
	if err != nil {
		return nil, err
	}
	return h.S.User(r.Context(), id)
}

func (h *Handlers) userForm(w http.ResponseWriter, r *http.Request) error {
	var u *User
	var communities []int64
	if r.PathValue("id") != "" {
		var err error
		if u, err = h.userOf(r); err != nil {
			return err
		}
		communities = u.Communities
	}
	return h.renderUserForm(w, r, http.StatusOK, u, userValues(u), communities, nil)
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

// changesAccess reports whether in changes what the account may do or
// see: its role, its department (a 部门员工's tickets) or its
// communities.
func changesAccess(cur *User, in UserInput) bool {
	if in.Role != cur.Role {
		return true
	}
	if in.Role == RoleDeptStaff && strings.TrimSpace(in.Department) != cur.Department {
		return true
	}
	if in.Role == RoleAdmin {
		return false // an administrator sees every community whatever is ticked
	}
	cs := slices.Clone(in.Communities)
	slices.Sort(cs)
	return !slices.Equal(slices.Compact(cs), cur.Communities)
}

func (h *Handlers) formError(w http.ResponseWriter, r *http.Request, u *User, in UserInput, err error) error {
	if _, ok := errs.As(err); !ok {
		return err
	}
	return h.renderUserForm(w, r, web.StatusOf(err), u, r.Form, in.Communities, errs.ByField(err))
}

// actionError shows a refused 账号操作 (action "reset" or "status") on
// the account's page: its errors keyed "action.field", and "action." for
// one of a field the action's form does not have (the last
// administrator cannot be disabled).
func (h *Handlers) actionError(w http.ResponseWriter, r *http.Request, u *User, action string, err error) error {
	if c := errs.CodeOf(err); c != errs.CodeInvalid && c != errs.CodeConflict {
		return err
	}
	m := map[string]string{}
	for f, msg := range errs.ByField(err) {
		if f != ReauthField && (action != "reset" || f != "password") {
			f = ""
		}
		m[action+"."+f] = msg
	}
	return h.renderUserForm(w, r, web.StatusOf(err), u, userValues(u), u.Communities, m)
}

func (h *Handlers) userCreate(w http.ResponseWriter, r *http.Request) error {
	in, err := inputFromForm(r)
	if err == nil && r.FormValue("password") != r.FormValue("password2") {
		err = errs.Invalid("password2", "两次输入的密码不一致")
	}
	if err == nil {
		err = ReauthForm(r)
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
	cur, err := h.userOf(r)
	if err != nil {
		return err
	}
	in, err := inputFromForm(r)
	if err == nil && changesAccess(cur, in) {
		err = ReauthForm(r)
	}
	if err == nil {
		_, err = h.S.UpdateUser(r.Context(), UserOf(r.Context()), cur.ID, in)
	}
	if err != nil {
		return h.formError(w, r, cur, in, err)
	}
	web.Redirect(w, r, "/admin/users", "已保存 "+in.Name)
	return nil
}

func (h *Handlers) userDisable(disabled bool) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, err := h.userOf(r)
		if err != nil {
			return err
		}
		err = ReauthForm(r)
		if err == nil {
			err = h.S.SetDisabled(r.Context(), UserOf(r.Context()), u.ID, disabled)
		}
		if err != nil {
			return h.actionError(w, r, u, "status", err)
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
	u, err := h.userOf(r)
	if err != nil {
		return err
	}
	err = ReauthForm(r)
	if err == nil {
		err = h.S.SetPassword(r.Context(), UserOf(r.Context()), u.ID, r.FormValue("password"))
	}
	if err != nil {
		return h.actionError(w, r, u, "reset", err)
	}
	web.Redirect(w, r, "/admin/users", "密码已重置，该用户需重新登录")
	return nil
}

// userUnlock is 解除锁定, on the user's page and in the API.
func (h *Handlers) userUnlock(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	u, err := h.S.Unlock(r.Context(), UserOf(r.Context()), id)
	if err != nil {
		return err
	}
	if web.IsAPI(r) {
		return web.WriteJSON(w, http.StatusOK, u)
	}
	web.Redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10), "已解除锁定，"+u.Name+" 可以重新登录")
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
	u, err := h.userOf(r)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, u)
}

// reauthBody is the optional body of an account action:
// {"current_password"} (see Reauth).
type reauthBody struct {
	CurrentPassword string `json:"current_password"`
}

func (h *Handlers) apiUserCreate(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		UserInput
		reauthBody
		Password string `json:"password"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := Reauth(r, in.CurrentPassword); err != nil {
		return err
	}
	u, err := h.S.CreateUser(r.Context(), UserOf(r.Context()), in.UserInput, in.Password)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, u)
}

func (h *Handlers) apiUserUpdate(w http.ResponseWriter, r *http.Request) error {
	cur, err := h.userOf(r)
	if err != nil {
		return err
	}
	var in struct {
		UserInput
		reauthBody
	}
	// A client written before e-mail existed sends none: keep the
	// address then ("email": "" removes it).
	in.Email = cur.Email
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if changesAccess(cur, in.UserInput) {
		if err := Reauth(r, in.CurrentPassword); err != nil {
			return err
		}
	}
	u, err := h.S.UpdateUser(r.Context(), UserOf(r.Context()), cur.ID, in.UserInput)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, u)
}

// reauthAPI reads the optional {"current_password"} body and checks it.
func reauthAPI(r *http.Request) error {
	var in reauthBody
	if r.ContentLength != 0 {
		if err := web.DecodeJSON(r, &in); err != nil {
			return err
		}
	}
	return Reauth(r, in.CurrentPassword)
}

func (h *Handlers) apiUserDisable(disabled bool) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.ID(r, "id")
		if err != nil {
			return err
		}
		if err := reauthAPI(r); err != nil {
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
	var in struct {
		reauthBody
		Password string `json:"password"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := Reauth(r, in.CurrentPassword); err != nil {
		return err
	}
	if err := h.S.SetPassword(r.Context(), UserOf(r.Context()), id, in.Password); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
