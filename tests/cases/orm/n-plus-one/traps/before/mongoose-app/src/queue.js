export class Queue {
  static async deleteOne(id) {
    return id;
  }
}
