import { useEffect, useState } from "react";

export function UserList() {
  const [users, setUsers] = useState<string[]>([]);
  useEffect(() => {
    fetch("/api/users")
      .then((r) => r.json())
      .then(setUsers)
      .catch((error) => console.log("Error:", error));
  }, []);
  async function reload() {
    try {
      setUsers(await (await fetch("/api/users")).json());
    } catch (error) {
      console.log("Error:", error);
    }
  }
  return <ul onClick={reload}>{users.map((u) => <li key={u}>{u}</li>)}</ul>;
}

export function useUsers() {
  try {
    return JSON.parse(localStorage.getItem("users") ?? "[]");
  } catch (error) {
    console.log("Error:", error);
    return [];
  }
}
